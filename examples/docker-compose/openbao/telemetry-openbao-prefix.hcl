# Loaded after node.hcl (configuration files in /openbao/config are read in
# alphabetical order) by docker-compose.openbao-prefix.yaml. A later telemetry
# block replaces the earlier one as a whole, so every telemetry setting of the
# node files is repeated here with only metrics_prefix changed.
telemetry {
  prometheus_retention_time = "24h"
  disable_hostname          = true
  metrics_prefix            = "openbao"
  usage_gauge_period        = "1m"
}
