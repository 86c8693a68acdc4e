#!/usr/bin/env node
// The aegis-consumer CLI: runs a node of a reference consumer chain. Built code lives in ../dist (npm run build).
import { main } from "../dist/cli.js";

await main(process.argv);
