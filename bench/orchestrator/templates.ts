// The benchmark templates (namespace `bench`, written by bench/generate-templates.ts), imported as text.
import batchFanout from "../templates/batch_fanout.yaml";
import chain3 from "../templates/chain3.yaml";
import diamond from "../templates/diamond.yaml";
import fanout100 from "../templates/fanout_100.yaml";

export const benchTemplates = [
  { path: "bench/templates/batch_fanout.yaml", source: batchFanout },
  { path: "bench/templates/chain3.yaml", source: chain3 },
  { path: "bench/templates/diamond.yaml", source: diamond },
  { path: "bench/templates/fanout_100.yaml", source: fanout100 },
];
