/** Child-process entry of a measured session: node session.js FILE STREAM,STREAM,… → JSON on stdout. */
import { measureSession } from './session';

const [file, streams, workers] = process.argv.slice(2);
measureSession(file, (streams ?? '').split(',').filter(Boolean).map(Number), { workers: workers === undefined ? undefined : Number(workers) }).then(
  (result) => process.stdout.write(JSON.stringify(result) + '\n'),
  (error: unknown) => {
    process.stderr.write(`session: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
