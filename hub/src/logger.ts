export { createConsoleLogger, nullLogger, type Logger, type LogLevel } from "@aegis/p2p";
