"""Scripted trainees: they see only the trainee's picture and return Commands."""
