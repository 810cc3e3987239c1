"""`python -m sim_pipeline.demo` (what `make demo` runs): the seed's worked example, in sim_pipeline/cli/demo.py."""

from sim_pipeline.cli.demo import main

if __name__ == "__main__":
    main()
