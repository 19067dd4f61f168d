# Shared by the scripts: project root, the virtualenv, and Debian packages.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

# apt_install PKG...: install the Debian packages that are missing (root or sudo).
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# venv_install FILE: create .venv if needed and install a requirements file into it.
venv_install() {
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Practice Line needs Python 3.11 or newer as python3 (found: $(python3 --version 2>&1))." >&2
    echo "On Debian 12 that is the system python3; elsewhere install 3.11+ first." >&2
    exit 1
  fi
  if [ ! -x "$PY" ]; then
    # Debian's own python3 needs python3-venv for this; other Pythons ship it.
    python3 -m venv "$VENV" 2>/dev/null || { rm -rf "$VENV"; apt_install python3-venv; python3 -m venv "$VENV"; }
  fi
  "$PY" -m pip install -q --disable-pip-version-check -r "$ROOT/$1"
}

# Debian packages the app uses: espeak-ng + lame + sox render offline audio,
# pango and fonts let WeasyPrint make PDFs, graphviz draws the menu map (/map, flows map).
APP_DEBS=(espeak-ng lame sox libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core graphviz)
# ... and what the tests add: Chromium for Playwright, poppler for PDF checks, Node for the phone player
# tests, and the PostgreSQL server the store tests start (their own throwaway cluster).
TEST_DEBS=(chromium poppler-utils nodejs postgresql)

# ensure_npm: npm for the pinned axe-core of the accessibility audit (package-lock.json). Debian's
# nodejs leaves it to the `npm` package; NodeSource's nodejs ships it and conflicts with that package.
ensure_npm() {
  command -v npm >/dev/null 2>&1 || apt_install npm
}

# ensure_setup: run setup.sh once if the .venv is not there yet (for the smaller wrappers).
ensure_setup() {
  [ -x "$PY" ] || "$ROOT/scripts/setup.sh"
}
