#!/bin/sh
# Debian packages the tests use: poppler-utils (`pdftotext` reads the report card's PDF in the export tests) and
# postgresql (a throwaway server on a loopback port holds the catalog of the DuckLake tests; tests/postgres.py).
set -e
missing=""
command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
pdftotext -v 2>&1 | head -1
ls /usr/lib/postgresql/*/bin/initdb
