#!/usr/bin/env node
// The aegis CLI. Built code lives in ../dist (npm run build).
import { main } from "../dist/cli/main.js";

await main(process.argv);
