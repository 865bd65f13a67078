#!/bin/sh
# The browser tests (tests/browser/) drive the distribution's Chromium through Playwright.
# `make test` runs this first: it finds Chromium, or installs the distribution's package
# (as root, or through sudo without a password). When neither is possible it says why and
# the browser tests are skipped with that reason; it never downloads a browser itself.
set -u
for candidate in "${CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
        echo "browser tests: $candidate"
        exit 0
    fi
done
if ! command -v apt-get >/dev/null 2>&1; then
    echo "browser tests: no Chromium and no apt-get to install it; set CHROMIUM=/path/to/chromium"
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "browser tests: Chromium is missing and installing it needs root (apt-get install chromium)"
    exit 0
fi
echo "browser tests: installing the distribution's chromium package (this takes a few minutes)"
if ! $SUDO apt-get install -y -q chromium >/dev/null 2>&1; then
    $SUDO apt-get update -q >/dev/null 2>&1
    $SUDO apt-get install -y -q chromium >/dev/null 2>&1 || {
        echo "browser tests: apt-get install chromium failed"; exit 0; }
fi
echo "browser tests: /usr/bin/chromium installed"
