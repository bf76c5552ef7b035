#!/usr/bin/env bash
# Builds the Debian package: dist/compago-connector_<version>_<arch>.deb.
#
#   deploy/build-deb.sh                  version from git, this machine's arch
#   VERSION=1.2.0 GOARCH=arm64 deploy/build-deb.sh
#   DIST=/tmp/out deploy/build-deb.sh    somewhere else than dist/
#
# nfpm (github.com/goreleaser/nfpm) is run from the Go module proxy at a
# pinned version, so nothing but Go is needed; it is not a dependency of
# the module.
set -euo pipefail
cd "$(dirname "$0")/.."

NFPM_VERSION=v2.43.0 # later releases import modules the proxy does not serve
export PKG_ARCH=${GOARCH:-$(go env GOARCH)}
if [ -z "${VERSION:-}" ]; then
	rev=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
	VERSION="0.0.0+git${rev}"
	if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
		VERSION="${VERSION}.dirty"
	fi
fi
export VERSION
DIST=${DIST:-dist}
mkdir -p "$DIST"
DIST=$(cd "$DIST" && pwd)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -r deploy "$stage/deploy"
# The Odoo addons, one addons-path entry per Odoo version, without
# compiled Python.
mkdir -p "$stage/odoo-addons"
for version_dir in odoo/addons/[0-9]*.0; do # the version trees only: not the Go tests beside them
	cp -rL "$version_dir" "$stage/odoo-addons/" # -L: the shared files (odoo/addons/common) are links
done
find "$stage/odoo-addons" -name __pycache__ -prune -exec rm -rf {} +
find "$stage/odoo-addons" -type d -exec chmod 0755 {} +
find "$stage/odoo-addons" -type f -exec chmod 0644 {} +
# A static binary: the journal is pure-Go SQLite, DNS the Go resolver.
CGO_ENABLED=0 GOARCH=$PKG_ARCH go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
	-o "$stage/compago-connector" ./cmd/compago-connector
# nfpm itself is built for this machine, whatever the package's arch.
(cd "$stage" && env -u GOARCH go run "github.com/goreleaser/nfpm/v2/cmd/nfpm@${NFPM_VERSION}" package \
	--config deploy/nfpm.yaml --packager deb --target "$DIST/")
