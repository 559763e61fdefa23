"""``python -m sqlshell`` runs the same command as the ``sqlshell`` script."""

from sqlshell.cli import main

if __name__ == "__main__":
    main()
