// The floor with a body: reads the push and answers a fixed string, served like the real Worker.
// Every push has a body to read, so this is the least any Worker can spend on one; the difference
// from the plain floor is what reading a body costs on this runtime.
export default {
  async fetch(request) {
    await request.text();
    return new Response("success");
  },
};
