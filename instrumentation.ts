// Background work starts here, once per server process, and only in the Node.js runtime.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startScheduler } = await import("@/lib/builds/scheduler");
  startScheduler();
  const { startMaintenance } = await import("@/lib/admin/maintenance");
  startMaintenance();
}
