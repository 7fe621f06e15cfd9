// Validate Prometheus Operator custom resources against the CRDs' JSON Schema.
//
// @kubernetes-models/prometheus-operator ships, for each kind, an ajv
// validator compiled from the openAPIV3Schema of the prometheus-operator CRDs
// (5.0.1: the stripped-down CRDs of prometheus-operator v0.90.1). Type, enum,
// pattern and required-field errors fail here; unknown fields are caught by
// validate_k8s.py, because CRD schemas let the API server prune them silently.
//
// Usage: node validate-monitoring-crs.mjs DOCUMENTS.json
//   DOCUMENTS.json: [{"source": "...", "document": {...}}, ...] as written by
//   validate_k8s.py --emit-crs.
import { readFileSync } from "node:fs";
import { PodMonitor, PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const models = { ServiceMonitor, PodMonitor, PrometheusRule };
const entries = JSON.parse(readFileSync(process.argv[2], "utf8"));
let failures = 0;

for (const { source, document } of entries) {
  const Model = models[document.kind];
  if (!Model) {
    console.log(`FAIL ${source}\n       no CRD validator for kind ${document.kind}`);
    failures++;
    continue;
  }
  try {
    new Model(document).validate();
    console.log(`ok   ${source}`);
  } catch (error) {
    failures++;
    console.log(`FAIL ${source}`);
    for (const line of String(error.message).split("\n")) console.log(`       ${line}`);
  }
}

console.log(`prometheus-operator CRD schemas: ${entries.length} document(s), ${failures} failure(s)`);
process.exit(failures > 0 || entries.length === 0 ? 1 : 0);
