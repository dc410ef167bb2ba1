/** Unit tests are pure; integration and end-to-end tests start Azurite, the ARM emulator and the dev host on loopback. */
module.exports = {
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest"] },
  testEnvironment: "node",
  maxWorkers: 2,
  testTimeout: 60000,
};
