#!/usr/bin/env bash
# One-command setup for GRINDER on a fresh Debian machine with Node.js:
#   node dependencies from the lockfile, Jupyter (nbclient/nbconvert and the classic Notebook
#   front end) and chromium from Debian packages, the compiled SDK build (.build/), the
#   `grinder` kernel (tslab) and the `grinder-deno` kernel (Deno).
# Options:
#   --main-job      then run the main job (scripts/main-job.sh) on the bundled fixtures
#   --no-browser    skip Debian's chromium (the test suite's browser tests need it)
# Safe to re-run: each step is skipped when already done.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

main_job=0; browser=1
for a in "$@"; do
  case "$a" in
    --main-job) main_job=1 ;;
    --with-browser) browser=1 ;;  # the default; kept for older scripts
    --no-browser) browser=0 ;;
    *) echo "setup: unknown option $a" >&2; exit 2 ;;
  esac
done

export PYDEVD_DISABLE_FILE_VALIDATION=1  # silence debugpy's frozen-modules note from Debian's Jupyter
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# 1. Node dependencies, exactly as locked. Scripts are ignored (.npmrc): tfjs-node's install
#    script downloads a binary; danfojs-node runs on pure-JS TensorFlow through an override.
lock_hash="$(sha256sum package-lock.json package.json | sha256sum | cut -c1-16)"
stamp="node_modules/.grinder-install-$lock_hash"
if [ ! -f "$stamp" ]; then
  say "Installing node dependencies (npm ci)"
  npm ci --no-audit --no-fund
  touch "$stamp"
else
  say "Node dependencies up to date"
fi

# 2. Debian packages: Jupyter (nbconvert, nbclient, ipykernel, kernelspec, the Notebook front
#    end, the terminal console) and optionally chromium. One package per line.
apt_pkgs=()
command -v jupyter-nbconvert >/dev/null 2>&1 || apt_pkgs+=(jupyter-nbconvert)
command -v jupyter-notebook >/dev/null 2>&1 || apt_pkgs+=(jupyter-notebook)
command -v jupyter-console >/dev/null 2>&1 || apt_pkgs+=(jupyter-console)
command -v jupyter-kernelspec >/dev/null 2>&1 || apt_pkgs+=(jupyter-client)
/usr/bin/python3 -c 'import nbclient' >/dev/null 2>&1 || apt_pkgs+=(python3-nbclient)
/usr/bin/python3 -c 'import ipykernel' >/dev/null 2>&1 || apt_pkgs+=(python3-ipykernel)
command -v redis-server >/dev/null 2>&1 || apt_pkgs+=(redis-server) # distributed calibration (BullMQ) and its tests
if [ "$browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then apt_pkgs+=(chromium); fi
if [ "${#apt_pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    say "Installing Debian packages: ${apt_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${apt_pkgs[@]}" >/dev/null
  else
    echo "setup: missing Debian packages. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${apt_pkgs[*]}" >&2
    echo "then run this command again." >&2
    exit 1
  fi
else
  say "Jupyter present"
fi

# 3. The compiled SDK (.build/): JavaScript for the `grinder` command and the kernel, and type
#    declarations for the kernel's compiler, so neither compiles TypeScript at start-up. Both
#    check that the build is current and rebuild it when a source is newer (scripts/build.cjs).
say "Building the SDK (.build/)"
node scripts/build.cjs

# 4. The `grinder` Jupyter kernel: the project's own tslab, started at the project root.
#    It is written into this checkout (.jupyter/kernels/grinder, found first through
#    JUPYTER_PATH by scripts/run-notebook.py, `grinder report` and the tests), so another clone's
#    registration can never run in this one's place; it is also registered for the user
#    (`jupyter kernelspec install --user`) so a plain `jupyter notebook` finds it.
kdir="$root/.jupyter/kernels/grinder"
mkdir -p "$kdir"
cat > "$kdir/kernel.json.tmp" <<JSON
{
  "argv": ["$root/scripts/grinder-kernel.sh", "--config-path", "{connection_file}"],
  "display_name": "GRINDER (TypeScript)",
  "language": "typescript",
  "metadata": { "grinder_root": "$root" }
}
JSON
mv "$kdir/kernel.json.tmp" "$kdir/kernel.json"
jupyter kernelspec install --user --replace --name grinder "$kdir" >/dev/null 2>&1
say "Kernel 'grinder' registered ($kdir; user copy $(jupyter kernelspec list | awk '$1=="grinder"{print $2}'))"

# 5. The `grinder-deno` kernel (ADR-165): the same notebooks on Deno's Jupyter kernel, run by
#    this checkout's Deno binary (npm `deno`; its binary ships in @deno/linux-x64-glibc, present
#    after `npm ci` with scripts ignored). Registered the same way as `grinder`. deno.json (project
#    root) maps "./sdk" to the compiled SDK; scripts/grinder-deno-kernel.sh points it at the build.
deno_bin="$root/node_modules/@deno/linux-x64-glibc/deno"
if [ -x "$deno_bin" ] && "$deno_bin" --version >/dev/null 2>&1; then
  ddir="$root/.jupyter/kernels/grinder-deno"
  mkdir -p "$ddir"
  cat > "$ddir/kernel.json.tmp" <<JSON
{
  "argv": ["$root/scripts/grinder-deno-kernel.sh", "--conn", "{connection_file}"],
  "display_name": "GRINDER (Deno)",
  "language": "typescript",
  "metadata": { "grinder_root": "$root" }
}
JSON
  mv "$ddir/kernel.json.tmp" "$ddir/kernel.json"
  jupyter kernelspec install --user --replace --name grinder-deno "$ddir" >/dev/null 2>&1
  say "Kernel 'grinder-deno' registered ($ddir; $("$deno_bin" --version | head -1))"
else
  echo "setup: $deno_bin missing or not runnable (not x86_64 glibc Linux?): kernel 'grinder-deno' not registered" >&2
fi

if [ "$main_job" = 1 ]; then
  say "Main job"
  bash scripts/main-job.sh
fi
