// Puppeteer's own Chrome download cannot reach its host on every machine; the
// runner finds a browser itself (FEBM_CHROME, Puppeteer's Chrome, the system's).
module.exports = { skipDownload: true };
