// SPDX-License-Identifier: MIT
// Validates Kubernetes manifests offline with the npm package kubernetes-models:
// each object with its model's validate() (the OpenAPI schema of Kubernetes),
// then strictly: kubernetes-models ignores unknown fields, so every key must be
// one the schema knows. Usage: node validate-manifests.js FILE.yaml...
// Prints one line per object; exits 1 with every problem found.
"use strict";
const fs = require("fs");
const path = require("path");
const yaml = require("js-yaml");

// The compiled schemas are not among the package's exports: load them by path.
const SCHEMAS = path.join(path.dirname(require.resolve("kubernetes-models")), "_schemas");

// apiVersion/kind -> the model's module and its schema's name in _schemas/.
const KINDS = {
        "v1/Namespace": ["kubernetes-models/v1", "IoK8sApiCoreV1Namespace"],
        "v1/ConfigMap": ["kubernetes-models/v1", "IoK8sApiCoreV1ConfigMap"],
        "apps/v1/DaemonSet": ["kubernetes-models/apps/v1", "IoK8sApiAppsV1DaemonSet"],
};

// The schema's compiled validator (ajv, standalone) reads data.KEY for every
// property its schema defines, and enumerates the keys of maps (labels, data,
// resources.limits). Run it on proxies that record both: a key of an object that
// was neither read nor enumerated is not in the schema.
function unknownKeys(validate, data) {
        const nodes = [];
        const wrap = (value, path) => {
                if (value === null || typeof value !== "object")
                        return value;
                const node = { value, path, read: new Set(), enumerated: false };
                nodes.push(node);
                const children = new Map();
                return new Proxy(value, {
                        get(target, key, receiver) {
                                const v = Reflect.get(target, key, receiver);
                                if (typeof key !== "string")
                                        return v;
                                node.read.add(key);
                                if (!Object.prototype.hasOwnProperty.call(target, key))
                                        return v;
                                if (!children.has(key))
                                        children.set(key, wrap(v, `${path}/${key}`));
                                return children.get(key);
                        },
                        has(target, key) {
                                node.read.add(key);
                                return Reflect.has(target, key);
                        },
                        ownKeys(target) {
                                node.enumerated = true;
                                return Reflect.ownKeys(target);
                        },
                });
        };
        validate(wrap(data, ""));
        const unknown = [];
        for (const n of nodes) {
                if (Array.isArray(n.value) || n.enumerated)
                        continue;
                for (const key of Object.keys(n.value))
                        if (!n.read.has(key))
                                unknown.push(`${n.path}/${key}`);
        }
        return unknown;
}

let problems = 0;
const problem = (where, what) => {
        console.log(`${where}: ${what}`);
        problems++;
};

for (const file of process.argv.slice(2)) {
        let docs;
        try {
                docs = yaml.loadAll(fs.readFileSync(file, "utf8"));
        } catch (e) {
                problem(file, `not YAML: ${e.message}`);
                continue;
        }
        docs.filter((d) => d !== null).forEach((doc, i) => {
                const where = `${file}#${i}`;
                const id = `${doc.apiVersion}/${doc.kind}`;
                if (!KINDS[id]) {
                        problem(where, `no model for ${id}`);
                        return;
                }
                const [module, schema] = KINDS[id];
                const Model = require(module)[doc.kind];
                try {
                        new Model(doc).validate();
                } catch (e) {
                        problem(where, `${id} ${doc.metadata && doc.metadata.name}: invalid: ${e.message}`);
                        return;
                }
                const { validate } = require(path.join(SCHEMAS, `${schema}.js`));
                const unknown = unknownKeys(validate, doc);
                for (const u of unknown)
                        problem(where, `${id} ${doc.metadata.name}: unknown field ${u}`);
                if (unknown.length === 0)
                        console.log(`${where}: ${id} ${doc.metadata.name}: valid, every field known`);
        });
}
process.exit(problems ? 1 : 0);
