// The floor: the least a Worker can do for a push. Served exactly like the real one, it measures
// what the runtime, the loopback and the load generator cost on their own.
export default {
  fetch: () => new Response("success"),
};
