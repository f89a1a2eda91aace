// Placeholder until the end-to-end metaserver lands (issue 3).
console.log("npm start: the local metaserver (edge + bridge) is not yet implemented.");
