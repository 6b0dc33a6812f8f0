/**
 * API routes for the engine parts beside reachability: blast radius and attack paths, observed
 * flows, policy generation. Each lives in its own file.
 */
import type { Router } from 'express';
import type { SessionHolder } from './session.js';
import { attackRoutes } from './attack-routes.js';
import { flowRoutes } from './flows-route.js';
import { generateRoutes } from './generate-route.js';
import { policySourceRoutes } from './policy-source.js';

export const apiExtensions: ((r: Router, holder: SessionHolder) => void)[] = [attackRoutes, flowRoutes, generateRoutes, policySourceRoutes];
