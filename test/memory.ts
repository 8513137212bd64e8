import v8 from "node:v8";
import vm from "node:vm";

// Memory bounds for tests: live (post-GC) heap and buffers, so garbage does not count.

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

/** Peak live heap and buffer growth, sampled every 100 ms while `work` runs. */
export async function peakGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const used = () => {
    const memory = process.memoryUsage();
    return memory.heapUsed + memory.arrayBuffers;
  };
  gc();
  const base = used();
  let peak = base;
  const timer = setInterval(() => {
    gc();
    peak = Math.max(peak, used());
  }, 100);
  try {
    const result = await work();
    gc();
    peak = Math.max(peak, used());
    return { result, growth: peak - base };
  } finally {
    clearInterval(timer);
  }
}
