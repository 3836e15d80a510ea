// The lab's stand-in for Exchange's Bin\ExSetup.exe: a managed program that does nothing and carries a file
// version, so that hybridcfg reads a lab server's build exactly as it reads a real one, from ExSetup.exe's
// FileVersionInfo (docs/exchange-facts.md#hybrid-unit). `hybridcfg lab init` writes a copy per server with
// the placeholder version 99.98.9997.996 replaced by the server's build, zero-padded as Exchange writes it
// (15.02.1748.043): both are 14 characters, so the bytes keep their places (src/targets/lab/exsetup.ts).
using System.Reflection;
[assembly: AssemblyTitle("ExSetup (hybridcfg lab stand-in)")]
[assembly: AssemblyProduct("hybridcfg lab")]
[assembly: AssemblyFileVersion("99.98.9997.996")]
[assembly: AssemblyInformationalVersion("99.98.9997.996")]
static class Program { static int Main() { return 0; } }
