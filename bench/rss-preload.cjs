// Preloaded (node --require) into benchmarked Node processes when GNU time is not
// available: writes the process's peak RSS in kB to $DQC_BENCH_RSS_FILE at exit.
'use strict';
const file = process.env.DQC_BENCH_RSS_FILE;
if (file) {
  delete process.env.DQC_BENCH_RSS_FILE;
  process.on('exit', () => {
    try {
      require('node:fs').writeFileSync(file, String(process.resourceUsage().maxRSS));
    } catch {
      // measuring must never change the outcome of the measured process
    }
  });
}
