#!/usr/bin/env bash
# Regenerates the DEVELOPMENT TLS material of config/three-nodes.toml: a CA and one certificate per
# node (CN = node name, signed by the CA, valid 100 years). The CA key is deleted afterwards: nodes
# pin each other's certificates (docs/topology.md), so a new CA and new certificates are made together.
# Usage: bash config/tls/three-nodes/make-dev-certs.sh   (writes next to this script)
set -euo pipefail
cd "$(dirname "$0")"
days=36500
ext=$(mktemp)
trap 'rm -f "$ext" ca.key ca.srl ./*.csr' EXIT
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' > "$ext"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days $days \
  -subj "/CN=bfdchain three-nodes DEVELOPMENT CA" -keyout ca.key -out ca.pem 2>/dev/null
for n in a b c; do
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$n" \
    -keyout "$n.key" -out "$n.csr" 2>/dev/null
  openssl x509 -req -in "$n.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days $days -sha256 \
    -extfile "$ext" -out "$n.crt" 2>/dev/null
done
chmod 600 ./*.key
echo "wrote ca.pem, a/b/c.crt and .key (development only)"
