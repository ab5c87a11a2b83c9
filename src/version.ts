// The package version, for results that must name the build that made them
// (sweep points, merge checks). Twin: package.json "version"
// (test/version.test.ts keeps them equal). Imports nothing.

export const VERSION = "0.1.0";
