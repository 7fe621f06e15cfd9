# Second TCP listener for the all-node metrics scrape. Add this stanza to the
# OpenBao server configuration of EVERY node (with the Helm chart: append it to
# server.ha.raft.config) and declare the port with server.extraPorts
# (helm-values-metrics-port.yaml).
#
# Why a separate listener: /v1/sys/metrics with a token is answered reliably
# only by the active node (standbys may forward or redirect, sealed nodes
# reject tokens). With unauthenticated_metrics_access every node, standby or
# sealed, reports its own series. That access is granted per listener, so it
# is confined to this port and the API listener (8200) keeps requiring a
# token. With metrics_only = true this port serves sys/metrics only; every
# other path is refused. The port is reachable only from the Prometheus
# pods (networkpolicy.yaml) and no Service, Ingress or load balancer points at
# it.
listener "tcp" {
  address = "[::]:8210"
  # Each TCP listener also binds a cluster port (default: port + 1). Nothing
  # uses 8211; the NetworkPolicy keeps it unreachable.
  cluster_address = "[::]:8211"

  # Same certificate as the API listener (the chart's TLS example mounts it
  # under /openbao/userconfig). Metrics travel over TLS even unauthenticated.
  tls_cert_file = "/openbao/userconfig/openbao-server-tls/tls.crt"
  tls_key_file  = "/openbao/userconfig/openbao-server-tls/tls.key"

  # Serve /v1/sys/metrics and nothing else on this port (OpenBao 2.5.0+).
  metrics_only = true

  telemetry {
    unauthenticated_metrics_access = true
  }

  # Defaults, restated because this listener exists for metrics only.
  profiling {
    unauthenticated_pprof_access = false
  }
  inflight_requests_logging {
    unauthenticated_in_flight_requests_access = false
  }
  disable_unauthed_rekey_endpoints = true
}
