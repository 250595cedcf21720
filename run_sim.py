"""Thin shim: ``python run_sim.py ...`` is the same as the ``chm-sim`` console script."""

import sys

from simulator.cli import main

if __name__ == "__main__":
    sys.exit(main())
