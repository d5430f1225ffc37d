#pragma once
// Free loopback TCP ports for the servers a test starts.
namespace fleetlink::test {
// A port that was free a moment ago (bound to 127.0.0.1:0 and released). Ports are taken from a
// per-process rotating range first so parallel tests (ctest -j) rarely collide.
int freePort();
// True when something accepts connections on 127.0.0.1:port.
bool portOpen(int port);
// A blocking TCP socket connected to 127.0.0.1:port (the caller closes it), or -1.
int connectLoopback(int port);
}  // namespace fleetlink::test
