import { startTracing } from '@credit-hub/messaging/tracing';

/**
 * Imported first by main.ts: starts OpenTelemetry tracing of the feedback-analytics service when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set (nothing is loaded otherwise), before http and pg are
 * required, so their instrumentation takes (docs/operations.md, "Traces").
 */
startTracing('feedback-analytics');
