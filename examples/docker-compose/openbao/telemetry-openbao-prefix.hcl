# Telemetry override for the openbao_ metric prefix. docker-compose.openbao-prefix.yaml
# mounts it OUTSIDE /openbao/config and passes it as a second -config flag:
# files given with -config are merged in command-line order, so this telemetry
# block replaces the one of node.hcl. (Placing it in /openbao/config next to
# node.hcl is not enough: OpenBao merges a config directory in the order the
# file system lists it, which is not alphabetical, so node.hcl could win.)
# A later telemetry block replaces the earlier one as a whole, so every
# telemetry setting of the node files is repeated here with only
# metrics_prefix changed.
telemetry {
  prometheus_retention_time = "24h"
  disable_hostname          = true
  metrics_prefix            = "openbao"
  usage_gauge_period        = "1m"
}
