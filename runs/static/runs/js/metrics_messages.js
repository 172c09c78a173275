// What the Metrics explorer says instead of charts: a fresh install, nothing selected,
// no match, advanced mode with no query, a query error (lib/explorer_messages.js).
import { SDK_EXAMPLE, emptyMessage } from "../../js/lib/explorer_messages.js";

const STATES = {
  fresh: () => emptyMessage("No metrics tracked yet", "Log one from a training script with the SDK, then pick it here with + Metrics:", { code: SDK_EXAMPLE }),
  nothing: () => emptyMessage("No metrics selected", "Pick metrics with + Metrics, or switch on Advanced and type a query such as metric.name == \"loss\"."),
  advanced: () => emptyMessage("Type a query", "In advanced mode the query selects the metrics, e.g. metric.name == \"loss\" and run.hparams.lr < 0.01."),
  nomatch: (query) => emptyMessage("No metrics match", "No tracked series matches the query:", { code: query }),
  error: () => emptyMessage("Fix the query to see charts"),
};

export function emptyState(kind, extra) {
  return STATES[kind](extra);
}
