# Sourced by the benchmark scripts (after bench/lib.sh): creates the prototype's
# bench-only virtualenv once per requirements.txt and sets `prototype_python`.
#   env: PROTOTYPE_VENV (default $work/prototype-venv, i.e. .deps/bench/prototype-venv
#   unless TIMECAST_BENCH_DIR moves $work). It also holds matplotlib for bench/plot.py.
prototype_dir="$root/bench/peers/prototype"
prototype_venv="${PROTOTYPE_VENV:-$work/prototype-venv}"
prototype_python="$prototype_venv/bin/python"

prototype_setup() {
  local requirements="$prototype_dir/requirements.txt"
  local marker="$prototype_venv/.requirements-$(sha256sum "$requirements" | cut -c1-16)"
  [[ -f "$marker" ]] && return 0
  note "installing the prototype's packages into $prototype_venv"
  python3 -m venv "$prototype_venv"
  "$prototype_venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  rm -f "$prototype_venv"/.requirements-*
  touch "$marker"
}
