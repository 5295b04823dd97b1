// Prints the closing line CI reads ("N passed, N failed, N skipped") from vitest's JSON report and exits
// non-zero when anything failed, including a failure before vitest wrote its report (e.g. the type check).
import { existsSync, readFileSync } from 'node:fs';

const [file, status] = process.argv.slice(2);
if (!existsSync(file)) {
  console.log(`no test report (the test command exited ${status} before vitest ran)`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const suiteErrors = report.testResults.filter((r) => r.status === 'failed' && r.assertionResults.length === 0).length;
let failed = report.numFailedTests + suiteErrors;
if (failed === 0 && Number(status) !== 0) {
  console.log(`vitest exited ${status} with no failed test (an unhandled error?): counting it as a failure`);
  failed = 1;
}
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${report.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
