// Temporal's Java time-skipping test server, resolved from Maven Central with Maven,
// behind a launcher script that @temporalio/testing can start as an existing-path
// executable (it passes the port as the first argument).
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProvisioningError, cacheDir, ensureDir, log, run, which } from './common.mjs';

export const TEST_SERVER_VERSION = '1.38.0';

/**
 * The SDK gives the server a few seconds to listen; on two busy cores a JVM needs the
 * quick-start flags (C1 only, serial GC, class-data sharing) to make that reliably.
 * @param {string} launcher @param {string} lib
 */
function writeLauncher(launcher, lib) {
  writeFileSync(
    launcher,
    `#!/bin/sh
# Starts Temporal's Java time-skipping test server; the first argument is the port.
exec "\${JAVA:-java}" \${TEMPORAL_TEST_SERVER_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -Xss512k} -cp "${lib}/*" io.temporal.testserver.TestServer "$@"
`,
  );
  chmodSync(launcher, 0o755);
}

/** @returns {Promise<string>} absolute path of the launcher script */
export async function ensureTestServer() {
  if (process.env.TEMPORAL_TEST_SERVER_PATH) return process.env.TEMPORAL_TEST_SERVER_PATH;
  const home = join(cacheDir(), `temporal-test-server-${TEST_SERVER_VERSION}`);
  const launcher = join(home, 'temporal-test-server');
  const lib = join(home, 'lib');
  const complete = join(home, '.complete'); // written last, so an interrupted fetch is redone
  if (existsSync(complete)) {
    writeLauncher(launcher, lib); // cheap, and keeps the launcher in step with this script
    return launcher;
  }
  const java = which('java');
  const mvn = which('mvn');
  if (!java || !mvn) {
    throw new ProvisioningError(
      'The time-skipping test server needs Java 11+ and Maven to fetch it from Maven Central ' +
        '(`apt-get install openjdk-17-jre-headless maven`), or set TEMPORAL_TEST_SERVER_PATH to a launcher.',
    );
  }
  ensureDir(home);
  writeFileSync(
    join(home, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.retain</groupId>
  <artifactId>temporal-test-server-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`,
  );
  log(
    'test-server',
    `fetching io.temporal:temporal-test-server:${TEST_SERVER_VERSION} and its dependencies with Maven (first run only)`,
  );
  await run(
    'test-server',
    mvn,
    ['-B', '-q', 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`, '-DincludeScope=runtime'],
    {
      cwd: home,
    },
  );
  writeLauncher(launcher, lib);
  writeFileSync(complete, `${new Date().toISOString()}\n`);
  log('test-server', `ready: ${launcher}`);
  return launcher;
}
