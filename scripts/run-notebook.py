#!/usr/bin/python3
"""Execute a notebook headless through Jupyter (nbclient) and export it.

    /usr/bin/python3 scripts/run-notebook.py NOTEBOOK [--ipynb OUT] [--html OUT] [--timeout S]
                                             [--startup-timeout S]
                                             [--kernel NAME] [--json] [--no-input] [--no-sign]

Runs every code cell on the `grinder` kernel (tslab started at the project root). A cell
fails when it produces an `error` output, when the kernel's reply says `error`, or when it
writes to stderr: tslab reports TypeScript compile errors and uncaught exceptions as stderr
stream output, not as error outputs. A cell tagged `allow-stderr` may write to stderr.

The executed notebook (`--ipynb`) and its HTML export (`--html`, nbconvert's lab template)
are written atomically (temporary file + rename), also when a cell failed, so the failure
can be read in context. The executed notebook is signed with nbformat's notary (the secret and
signature database of the Jupyter data folder, as `jupyter trust` would), so Jupyter Notebook
trusts it and runs its chart scripts when it is opened; `--no-sign` leaves it untrusted.
Prints a JSON summary with `--json`. Exit status: 0 all cells ran clean, 1 a cell failed, 2 usage or Jupyter error.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time


def atomic_write(path, data):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=d)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
        # mkstemp creates 0600; give the file the mode a plain open() would (0666 minus umask).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def cell_problem(cell):
    """The error text of a failed cell, or None."""
    tags = cell.get("metadata", {}).get("tags", [])
    texts = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "error":
            texts.append("%s: %s\n%s" % (out.get("ename"), out.get("evalue"), "\n".join(out.get("traceback", []))))
        elif kind == "stream" and out.get("name") == "stderr" and "allow-stderr" not in tags:
            texts.append(out.get("text", ""))
    return "".join(texts) if texts else None


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Deno's kernel (2.9) forwards a cell's output from a queue and can report the cell finished
# (status idle) before the queue is empty; what is left goes out afterwards, under the cell's
# request or under the next one. nbclient stops listening at idle, so those outputs would be
# lost. After each cell, a silent request that waits briefly collects them into that cell
# (docs/DECISIONS.md ADR-165). The SDK's display layer also paces its messages on Deno so the
# queue is normally empty by then.
DRAIN_CODE = "await new Promise((resolve) => setTimeout(resolve, 100));"
LATE_TYPES = ("stream", "display_data", "update_display_data", "execute_result", "error")


def late_output_collector(client):
    import asyncio
    async def collect(cell, cell_index, execute_reply):
        if cell.cell_type != "code" or execute_reply is None:
            return
        cell_msg = execute_reply.get("parent_header", {}).get("msg_id")
        drain = client.kc.execute(DRAIN_CODE, silent=True, store_history=False, allow_stdin=False)
        while True:
            try:
                msg = await client.kc.get_iopub_msg(timeout=client.timeout or 60)
            except Exception:
                break
            parent = msg.get("parent_header", {}).get("msg_id")
            kind = msg["msg_type"]
            if parent == drain and kind == "status" and msg["content"].get("execution_state") == "idle":
                break
            if parent not in (cell_msg, drain) or kind not in LATE_TYPES:
                continue
            client.process_message(msg, cell, cell_index)  # appends the output (or updates a display id)
        try:
            await asyncio.wait_for(client.kc.get_shell_msg(), timeout=client.timeout or 60)
        except Exception:
            pass

    return collect


def use_project_kernels():
    """Put this checkout's kernel folder (.jupyter, written by scripts/setup.sh) first on
    JUPYTER_PATH, so the `grinder` kernel that runs is this project's, not another clone's."""
    own = os.path.join(ROOT, ".jupyter")
    rest = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = own + (os.pathsep + rest if rest else "")


def main():
    use_project_kernels()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebook")
    ap.add_argument("--ipynb", help="write the executed notebook here")
    ap.add_argument("--html", help="write the HTML export here")
    ap.add_argument("--timeout", type=int, default=600, help="per-cell timeout in seconds")
    ap.add_argument("--startup-timeout", type=int, default=120, help="seconds the kernel may take to answer after it starts")
    ap.add_argument("--kernel", default="grinder")
    ap.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    ap.add_argument("--no-input", action="store_true", help="leave code cells' source out of the HTML (a report for readers)")
    ap.add_argument("--no-sign", action="store_true", help="do not sign the executed notebook (it opens untrusted: charts hidden)")
    args = ap.parse_args()

    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
    except ImportError as e:  # pragma: no cover - environment problem
        print("run-notebook: %s (install python3-nbclient, see scripts/setup.sh)" % e, file=sys.stderr)
        return 2

    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    try:
        spec = KernelSpecManager().get_kernel_spec(args.kernel)
    except NoSuchKernel:
        print("run-notebook: no kernel %r: run scripts/setup.sh (npm run setup)" % args.kernel, file=sys.stderr)
        return 2
    launcher = spec.argv[0] if spec.argv else ""
    if args.kernel in ("grinder", "grinder-deno") and not os.path.abspath(launcher).startswith(ROOT + os.sep):
        print("run-notebook: the %r kernel found (%s) is not this checkout's (%s): run scripts/setup.sh here"
              % (args.kernel, launcher, ROOT), file=sys.stderr)
        return 2

    nb = nbformat.read(args.notebook, as_version=4)
    started = time.monotonic()
    # The grinder kernel's sockets are Unix socket files in a private folder (Jupyter's ipc
    # transport, which scripts/tslab-preload.cjs teaches tslab to bind), not TCP ports: a port
    # chosen free by binding and releasing it can be taken by any other process before the kernel
    # binds it (docs/DECISIONS.md ADR-240). Other kernels (Deno's) keep TCP.
    from traitlets.config import Config

    config = Config()
    sockets = None
    if args.kernel == "grinder":
        # a Unix socket path holds at most 107 bytes: a long TMPDIR falls back to /tmp
        base = tempfile.gettempdir() if len(tempfile.gettempdir()) <= 64 else "/tmp"
        sockets = tempfile.mkdtemp(prefix="grinder-kernel-", dir=base)
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = os.path.join(sockets, "k")
    client = NotebookClient(
        nb,
        config=config,
        timeout=args.timeout,
        startup_timeout=args.startup_timeout,
        kernel_name=args.kernel,
        allow_errors=True,
        # The kernel starts at the project root whatever this is (scripts/grinder-kernel.sh).
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.notebook))}},
    )
    if args.kernel.endswith("-deno") or args.kernel == "deno":
        client.on_cell_executed = late_output_collector(client)
    failure = None
    jupyter_error = None
    try:
        client.execute()
    except CellExecutionError as e:  # only raised when allow_errors is off; kept for safety
        jupyter_error = str(e)
    except Exception as e:  # kernel died, timeout, ...
        jupyter_error = "%s: %s" % (type(e).__name__, e)
    finally:
        if sockets:
            shutil.rmtree(sockets, ignore_errors=True)
    seconds = time.monotonic() - started

    code_cells = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    executed = 0
    for i, c in code_cells:
        if c.get("execution_count") is not None:
            executed += 1
        problem = cell_problem(c)
        if problem is not None and failure is None:
            failure = {"cell": i, "id": c.get("id"), "source": c.source, "error": problem}
    if failure is None and jupyter_error is not None:
        failure = {"cell": None, "id": None, "source": "", "error": jupyter_error}
    if failure is None and executed < len(code_cells):
        # tslab aborts the rest of a run after an error reply; a silent abort is still a failure.
        first = next(c for _, c in code_cells if c.get("execution_count") is None)
        failure = {"cell": nb.cells.index(first), "id": first.get("id"), "source": first.source,
                   "error": "cell was not executed (the kernel aborted the run)"}

    signed = False
    if args.ipynb:
        if not args.no_sign:
            # Debian ships no `jupyter trust`; this is what it does. Jupyter Notebook shows the
            # HTML/JavaScript outputs (plotly charts) of a trusted notebook only.
            from nbformat.sign import NotebookNotary

            NotebookNotary().sign(nb)
            signed = True
        atomic_write(args.ipynb, nbformat.writes(nb))
    if args.html:
        from nbconvert import HTMLExporter

        exporter = HTMLExporter(template_name="lab", exclude_input=args.no_input, exclude_input_prompt=args.no_input, exclude_output_prompt=args.no_input)
        body, _ = exporter.from_notebook_node(nb)
        atomic_write(args.html, body)

    summary = {
        "notebook": args.notebook,
        "ok": failure is None,
        "code_cells": len(code_cells),
        "executed": executed,
        "seconds": round(seconds, 2),
        "kernel": {"name": args.kernel, "launcher": launcher},
        "signed": signed,
        "failure": failure,
    }
    if args.json:
        print(json.dumps(summary))
    elif failure:
        print("run-notebook: %s: cell %s failed\n--- source ---\n%s\n--- error ---\n%s"
              % (args.notebook, failure["cell"], failure["source"], failure["error"]), file=sys.stderr)
    return 0 if failure is None else 1


if __name__ == "__main__":
    sys.exit(main())
