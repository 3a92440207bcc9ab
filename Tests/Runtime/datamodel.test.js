// The player's run-time against the shared data model cases (node --test, no packages).
// ECBA_MODEL_DIR holds 1.2.json and 2004.json, the tables the server sends (the Swift test that
// runs this writes them from SCORMDataModel).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const runtime = require('../../Sources/PlayerWeb/Assets/scorm-runtime.js');

const modelDir = process.env.ECBA_MODEL_DIR;
const cases = JSON.parse(fs.readFileSync(path.join(__dirname, 'datamodel-cases.json'), 'utf8'));
const models = {
  '1.2': JSON.parse(fs.readFileSync(path.join(modelDir, '1.2.json'), 'utf8')),
  '2004': JSON.parse(fs.readFileSync(path.join(modelDir, '2004.json'), 'utf8')),
};
const initial = {
  '1.2': { 'cmi.core.student_id': 'zhangsan', 'cmi.core.lesson_status': 'not attempted', 'cmi.core.credit': 'credit' },
  '2004': { 'cmi._version': '1.0', 'cmi.learner_id': 'zhangsan', 'cmi.completion_status': 'unknown', 'adl.nav.request': '_none_' },
};

function open(edition, commits) {
  return runtime.createRuntime({
    model: models[edition], values: initial[edition], activities: ['item_1', 'item_2'], current: 'item_1',
    onCommit: (sets, terminate) => commits.push({ sets, terminate }),
  });
}

for (const c of cases.cases) {
  test(`SCORM ${c.edition}: ${c.name}`, () => {
    const commits = [];
    const { api } = open(c.edition, commits);
    const is12 = c.edition === '1.2';
    assert.strictEqual(is12 ? api.LMSInitialize('') : api.Initialize(''), 'true');
    for (const [kind, element, value, code] of c.calls) {
      if (kind === 'set') {
        const result = is12 ? api.LMSSetValue(element, value) : api.SetValue(element, value);
        const error = Number(is12 ? api.LMSGetLastError() : api.GetLastError());
        assert.strictEqual(error, code, `SetValue(${element}, ${JSON.stringify(value)})`);
        assert.strictEqual(result, code === 0 ? 'true' : 'false');
      } else {
        const result = is12 ? api.LMSGetValue(element) : api.GetValue(element);
        const error = Number(is12 ? api.LMSGetLastError() : api.GetLastError());
        assert.strictEqual(error, code, `GetValue(${element})`);
        assert.strictEqual(result, value, `GetValue(${element})`);
      }
    }
    assert.strictEqual(is12 ? api.LMSCommit('') : api.Commit(''), 'true');
    // Only the values that were stored go to the server, in order.
    const stored = c.calls.filter(([kind, , , code]) => kind === 'set' && code === 0).map(([, e, v]) => [e, v]);
    assert.deepStrictEqual(commits.flatMap((commit) => commit.sets), stored);
  });
}

for (const c of cases.lifecycle) {
  test(`SCORM ${c.edition}: Initialize, Commit, Terminate in and out of order`, () => {
    const commits = [];
    const { api } = open(c.edition, commits);
    const is12 = c.edition === '1.2';
    for (const call of c.calls) {
      const [kind] = call;
      let result;
      if (kind === 'init') result = is12 ? api.LMSInitialize('') : api.Initialize('');
      if (kind === 'finish') result = is12 ? api.LMSFinish('') : api.Terminate('');
      if (kind === 'commit') result = is12 ? api.LMSCommit('') : api.Commit('');
      if (kind === 'get') result = is12 ? api.LMSGetValue(call[1]) : api.GetValue(call[1]);
      if (kind === 'set') result = is12 ? api.LMSSetValue(call[1], call[2]) : api.SetValue(call[1], call[2]);
      const code = call[call.length - 1];
      assert.strictEqual(Number(is12 ? api.LMSGetLastError() : api.GetLastError()), code, JSON.stringify(call));
      if (kind !== 'get') assert.strictEqual(result, code === 0 ? 'true' : 'false', JSON.stringify(call));
    }
    assert.ok(commits.some((commit) => commit.terminate), 'Terminate sends a final commit');
    assert.notStrictEqual((is12 ? api.LMSGetErrorString('0') : api.GetErrorString('0')), '');
  });
}
