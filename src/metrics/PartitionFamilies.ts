/**
 * effcached's own metrics of the store's partitions (actors): how many run, how many messages wait
 * in each mailbox, and how many each takes at once. Batching is what keeps a request cheap: a
 * partition that drains one message at a time under load, or whose mailbox keeps growing, is the
 * bottleneck. Read from counters the partitions keep per drain, without asking the actors.
 *
 * @module
 */
import { DRAIN_SIZE_BUCKETS, type PartitionLoad } from "../store/Partition.js"
import { type Family, family, histogramSamples, single } from "./Exposition.js"

/** Upper bounds of the drain-size buckets: 1, 3, 7, ... (the last bucket is open-ended). */
const DRAIN_BOUNDS = Array.from({ length: DRAIN_SIZE_BUCKETS - 1 }, (_, i) => 2 ** (i + 1) - 1)

/** The partitions' families. */
export const partitionFamilies = (loads: ReadonlyArray<PartitionLoad>): Array<Family> => {
  const labels = (i: number) => ({ partition: String(i) })
  return [
    single("effcached_partitions", "gauge", "Store partitions (actors) running.", loads.length),
    family(
      "effcached_partition_mailbox_depth",
      "gauge",
      "Messages waiting in a partition's mailbox.",
      loads.map((load, i) => ({ labels: labels(i), value: load.depth }))
    ),
    family(
      "effcached_partition_batch_messages",
      "histogram",
      "Messages (jobs, statistics, sweeps, scans) a partition took from its mailbox at once.",
      loads.flatMap((load, i) => histogramSamples(DRAIN_BOUNDS, load.drainSizes, load.messages, labels(i)))
    )
  ]
}
