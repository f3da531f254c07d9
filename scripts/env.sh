# Sourced by the other scripts: puts the tools they use on PATH even in a
# non-login, non-interactive shell (CI): cargo-installed binaries and, where
# the machine has pyenv, its Python (componentize-py, pytest).
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if [[ -d "${PYENV_ROOT:-$HOME/.pyenv}/shims" ]]; then
    export PATH="${PYENV_ROOT:-$HOME/.pyenv}/shims:$PATH"
fi
PYTHON="${PYTHON:-python3}"
