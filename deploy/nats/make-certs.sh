#!/bin/sh
# Makes a private CA and one server certificate for the NATS cluster (clients, and routes with
# mutual TLS), with openssl. Usage:
#   deploy/nats/make-certs.sh [out-dir] [extra DNS names or IPs…]
# Writes ca.pem, ca-key.pem (keep it offline), server.pem, server-key.pem to out-dir
# (default deploy/nats/tls, git-ignored). The names cover the compose cluster (nats-1..3), the
# Kubernetes StatefulSet (nats-0..2.nats-headless, the nats Service, in namespace credit-hub) and
# localhost. Kubernetes:
#   kubectl -n credit-hub create secret generic nats-tls --from-file=tls.crt=server.pem \
#     --from-file=tls.key=server-key.pem --from-file=ca.crt=ca.pem
#   kubectl -n credit-hub create configmap nats-ca --from-file=ca.pem=ca.pem
# Renew before `notAfter` (openssl x509 -enddate -noout -in server.pem): replace the Secret, then
# restart the NATS pods one at a time (lame duck mode moves clients away).
set -eu
out=${1:-"$(dirname "$0")/tls"}
[ "$#" -gt 0 ] && shift
namespace=${NAMESPACE:-credit-hub}
days=${DAYS:-825}
mkdir -p "$out"
cd "$out"

san="DNS:localhost,IP:127.0.0.1,DNS:nats,DNS:nats-1,DNS:nats-2,DNS:nats-3"
san="$san,DNS:nats.$namespace,DNS:nats.$namespace.svc,DNS:nats.$namespace.svc.cluster.local"
for i in 0 1 2; do
  san="$san,DNS:nats-$i.nats-headless,DNS:nats-$i.nats-headless.$namespace,DNS:nats-$i.nats-headless.$namespace.svc,DNS:nats-$i.nats-headless.$namespace.svc.cluster.local"
done
for extra in "$@"; do
  case "$extra" in
    *[!0-9.]*) san="$san,DNS:$extra" ;;
    *) san="$san,IP:$extra" ;;
  esac
done

if [ ! -f ca.pem ]; then
  openssl req -x509 -newkey rsa:3072 -nodes -sha256 -days 3650 -subj "/CN=credit-hub NATS CA" \
    -keyout ca-key.pem -out ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi
openssl req -newkey rsa:3072 -nodes -sha256 -subj "/CN=nats.$namespace" -keyout server-key.pem -out server.csr 2>/dev/null
cat > server.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=$san
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days "$days" -sha256 \
  -extfile server.ext -out server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl
chmod 600 ca-key.pem server-key.pem
echo "wrote $(pwd)/ca.pem, server.pem, server-key.pem (ca-key.pem: keep it offline)"
