# OpenBao node openbao-0 of the local (docker-compose) profile.
# DEMO ONLY: plain HTTP on a private container network, Shamir keys held by
# scripts/init-unseal.sh. See ../README.md and docs/production-checklist.md
# before reusing any of this outside a workstation.

cluster_name = "openbao-local"
ui           = true

# Addresses advertised to the other Raft members (container DNS names).
api_addr     = "http://openbao-0:8200"
cluster_addr = "http://openbao-0:8201"

# Operational log: JSON lines in a file that Alloy tails (stream
# openbao.operational). OpenBao keeps writing to stderr as well.
log_level            = "info"
log_format           = "json"
log_file             = "/openbao/logs/openbao.log"
log_rotate_bytes     = 52428800
log_rotate_max_files = 2

# Break-glass stream openbao.completed_requests stays off by default: the key is
# simply absent. Do not write log_requests_level = "off": OpenBao rejects that
# value ("invalid log_requests_level", vault/core.go). To turn the stream on
# for an investigation set log_requests_level = "info" here and send SIGHUP;
# Alloy then routes those lines to the audit tenant (see ../alloy/config.alloy).
# A SIGHUP does NOT turn it off again (neither removing the key nor any value
# lowers the level on reload): restart the node to stop it.
# log_requests_level = "info"

storage "raft" {
  path    = "/openbao/file"
  node_id = "openbao-0"

  # Every node lists every peer; the node that is not yet part of the
  # cluster keeps retrying until the leader is initialised and unsealed.
  retry_join {
    leader_api_addr = "http://openbao-0:8200"
  }
  retry_join {
    leader_api_addr = "http://openbao-1:8200"
  }
  retry_join {
    leader_api_addr = "http://openbao-2:8200"
  }
}

listener "tcp" {
  address         = "0.0.0.0:8200"
  cluster_address = "0.0.0.0:8201"
  tls_disable     = true

  # /v1/sys/metrics needs a token with read on sys/metrics on this listener
  # (created by scripts/init-unseal.sh). Prometheus scrapes the metrics-only
  # listener below instead.
  telemetry {
    unauthenticated_metrics_access = false
  }
}

# Metrics-only listener (OpenBao 2.5.0+): serves /v1/sys/metrics without a
# token and nothing else. Every node answers for itself here, sealed or
# standby: a sealed node rejects tokens on 8200, and a token scrape of a
# standby with disable_standby_reads = true is forwarded to the active node.
# Only this listener lets OpenBaoSealedUnexpectedly see core_unsealed == 0 and
# keeps OpenBaoMultipleActiveNodes free of forwarded series. The port is not
# published by docker-compose.yaml; only Prometheus on the private network
# reaches it.
listener "tcp" {
  address         = "0.0.0.0:8210"
  cluster_address = "0.0.0.0:8211"
  tls_disable     = true
  metrics_only    = true

  telemetry {
    unauthenticated_metrics_access = true
  }
}

telemetry {
  # Keep series in OpenBao's in-memory Prometheus sink long enough for
  # rarely-updated gauges and counters to survive many scrape intervals.
  prometheus_retention_time = "24h"
  # Metric names must not carry the host name; the instance label identifies
  # the node instead.
  disable_hostname = true
  # Default prefix vault_. The override file telemetry-openbao-prefix.hcl
  # (docker-compose.openbao-prefix.yaml) switches the profile to openbao_.
  metrics_prefix = "vault"
  # Demo: refresh token/entity/secret counts every minute instead of the 10m
  # default so dashboards fill quickly. Keep the default in production.
  usage_gauge_period = "1m"
}

# Declarative file audit device. OpenBao refuses to create audit devices through
# the API since v2.3.2 (unless unsafe_allow_api_audit_creation is set);
# declarative audit stanzas exist since v2.4.0. Mounted at
# file/, as the metric contract expects: its per-device timing is
# vault_audit_file__log_request. Every node carries the same stanza: whichever
# node serves a request writes JSON lines to its own logs volume, which Alloy
# reads as stream openbao.audit.
audit "file" "file" {
  description = "JSON lines for Alloy (stream openbao.audit)"
  options {
    file_path = "/openbao/logs/audit.log"
    format    = "json"
    mode      = "0600"
  }
}
