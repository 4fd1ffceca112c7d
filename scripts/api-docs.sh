#!/usr/bin/env bash
# API reference from the SDK's TSDoc: docs/api/ (Markdown, typedoc + typedoc-plugin-markdown) for
# the two public entry points, sdk/index.ts ("./sdk") and sdk/notebook/index.ts ("./sdk/notebook").
#   npm run docs:api
# Written to a temporary folder, then swapped in; docs/api/README.md (the index page) is kept.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tmp="$(mktemp -d "$root/docs/.api-tmp-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
npx typedoc --plugin typedoc-plugin-markdown --tsconfig tsconfig.json \
  --entryPoints sdk/index.ts --entryPoints sdk/notebook/index.ts \
  --out "$tmp/reference" --readme none --excludePrivate --excludeInternal \
  --disableSources --hideGenerator --logLevel Warn --validation.notExported false \
  --name "GRINDER SDK $(node -p 'require("./package.json").version')"
rm -rf docs/api/reference
mv "$tmp/reference" docs/api/reference
echo "docs/api/reference: $(find docs/api/reference -name '*.md' | wc -l) pages"
