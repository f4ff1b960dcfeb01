import type { INestApplication, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';

/** An HTTP route as `METHOD /path`, in OpenAPI's path syntax (`/studies/{id}`). */
export type RouteKey = string;

const OPENAPI_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface ExpressLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/**
 * Every route Express dispatches to a handler in the running app: Nest's controller routes and any
 * route registered directly on the adapter (the OpenAPI page). Middleware (helmet, body parsers,
 * static files) has no route and is not listed. `:name` and `*name` parameters become `{name}`.
 */
export function registeredRoutes(app: INestApplication): Set<RouteKey> {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } };
  const routes = new Set<RouteKey>();
  for (const { route } of express.router.stack) {
    if (!route) continue;
    for (const path of [route.path].flat()) {
      for (const [method, on] of Object.entries(route.methods)) {
        if (on) routes.add(`${method.replace(/^_/, '').toUpperCase()} ${path.replace(/[:*](\w+)/g, '{$1}')}`);
      }
    }
  }
  return routes;
}

/** Every operation an OpenAPI document describes, as `METHOD /path`. */
export function documentedRoutes(document: OpenAPIObject): Set<RouteKey> {
  const routes = new Set<RouteKey>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of OPENAPI_METHODS) if (method in item) routes.add(`${method.toUpperCase()} ${path}`);
  }
  return routes;
}

/** The app's controller classes by name (operation ids are `Controller_method` by default). */
export function controllersByName(app: INestApplication): Map<string, Type> {
  const found = new Map<string, Type>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      if (wrapper.metatype) found.set(wrapper.metatype.name, wrapper.metatype as Type);
    }
  }
  return found;
}
