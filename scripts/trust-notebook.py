#!/usr/bin/python3
"""Sign notebooks so Jupyter Notebook trusts them (Debian ships no `jupyter trust`).

    /usr/bin/python3 scripts/trust-notebook.py NOTEBOOK.ipynb [...]

A notebook's HTML/JavaScript outputs (the plotly charts) are shown only when it is trusted:
signed with the secret of this user's Jupyter data folder (nbformat's NotebookNotary). Notebooks
executed by scripts/run-notebook.py and `grinder report` are signed already.
"""
import sys

import nbformat
from nbformat.sign import NotebookNotary


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    notary = NotebookNotary()
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        if notary.check_signature(nb):
            print("%s: already trusted" % p)
            continue
        notary.sign(nb)
        print("%s: signed" % p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
