#!/usr/bin/env node
// tasker: operate a tasker-edge orchestrator from the terminal (tasks, steps, bulk jobs, templates); see docs/cli.md.
import "../dist/cli.js";
