// Shows the 公众号 QR code for this page's channel (scene), rendered by the Worker's /qr as SVG.
// The SVG is shown through an <img> (from a blob: URL), where it cannot run anything.
(async function showWeChatQr() {
  const box = document.getElementById("wechat-qr");
  const page = new URLSearchParams(location.search);
  // Never taken from the page's URL: a crafted link could then show someone else's code.
  const worker = box.dataset.worker.replace(/\/+$/, "");
  const scene = page.get("scene") || box.dataset.scene;
  const say = (text) => {
    box.replaceChildren(
      Object.assign(document.createElement("p"), { className: "error", textContent: text }),
    );
  };
  try {
    const response = await fetch(`${worker}/qr?scene=${encodeURIComponent(scene)}&format=svg`);
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      say(`QR code unavailable: ${problem.error || response.status}`);
      return;
    }
    const image = new Image();
    image.alt = `WeChat QR code (${scene})`;
    image.dataset.scene = scene;
    image.src = URL.createObjectURL(await response.blob());
    await image.decode();
    box.replaceChildren(image);
  } catch (error) {
    say(`QR code unavailable: ${error.message}`);
  }
})();
