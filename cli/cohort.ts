#!/usr/bin/env node
/**
 * `cohort`: one binary for every role. `cohort --help` lists the commands (cli/commands/, one file
 * each); `cohort <command> --help` prints that command's flags.
 */
import 'reflect-metadata';
import { runCohort } from './main.js';

process.exitCode = await runCohort(process.argv.slice(2));
