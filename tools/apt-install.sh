#!/usr/bin/env bash
# tools/apt-install.sh PACKAGE COMMAND WHAT: install Debian's PACKAGE unless COMMAND is already on PATH, with apt
# where it can be (as root, or with sudo that needs no password); otherwise say why and that WHAT will be skipped.
# Never fails: the tests that need the package skip, naming it, where it is missing.
set -u
package=$1 command=$2 what=$3
command -v "$command" >/dev/null && exit 0
why= sudo=
if ! command -v apt-get >/dev/null; then why="no apt-get on this system"
elif [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo -n"; else why="not root and no sudo"; fi
fi
if [ -z "$why" ]; then
    echo "make test: installing $package (apt-get) for $what"
    out=$( { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$package"; } 2>&1 ) \
        || why="apt-get failed: $(printf '%s\n' "$out" | tail -n 3 | tr '\n' ' ' | sed 's/ *$//')"
fi
if [ -n "$why" ]; then
    echo "make test: could not install $package ($why); $what will be skipped"
    exit 0
fi
