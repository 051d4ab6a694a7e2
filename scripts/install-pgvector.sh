#!/usr/bin/env bash
# Builds and installs the pgvector extension for the local PostgreSQL 15 when it is missing.
# pgvector is not packaged for this Debian release, so we build it from Debian trixie's source
# package (the only source reachable from these machines besides the npm registry).
set -euo pipefail
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
sharedir=$("$PG_CONFIG" --sharedir)
if [ -f "$sharedir/extension/vector.control" ]; then
  echo "pgvector already installed in $sharedir"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! grep -rqs "trixie" /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -q deb-src; then
  echo "deb-src http://deb.debian.org/debian trixie main" > /etc/apt/sources.list.d/trixie-src.list
fi
apt-get update -qq
apt-get install -y -qq postgresql-server-dev-15 dpkg-dev build-essential >/dev/null
work=$(mktemp -d)
cd "$work"
apt-get source -qq pgvector >/dev/null
cd pgvector-*/
make -s PG_CONFIG="$PG_CONFIG" >/dev/null
make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
echo "pgvector installed into $sharedir"
