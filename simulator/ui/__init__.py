"""The trainee console: real-time loop, input to Commands, panels and screens."""
