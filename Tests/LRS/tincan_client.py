#!/usr/bin/env python3
"""Rustici's `tincan` client (PyPI) against the platform's LRS, as an activity provider uses it.

    tincan_client.py ENDPOINT KEY SECRET

Saves, retrieves, queries (with paging) and voids statements, and keeps State, an activity
profile and an agent profile. Prints one JSON object of what each step saw; exits 1 when a call
the client makes fails.
"""
import json
import sys
import uuid

from tincan import (Activity, ActivityDefinition, ActivityProfileDocument, Agent, AgentProfileDocument, LanguageMap, RemoteLRS,
                    StateDocument, Statement, StatementRef, Verb)

endpoint, key, secret = sys.argv[1:4]
lrs = RemoteLRS(endpoint=endpoint, username=key, password=secret, version="1.0.3")
seen = {}


def need(response, what):
    if not response.success:
        print(json.dumps({"failed": what, "status": response.response.status, "body": response.data}))
        sys.exit(1)
    return response


learner = Agent(name="Learner " + uuid.uuid4().hex[:6], mbox="mailto:%s@example.org" % uuid.uuid4().hex[:10])
activity = Activity(id="http://example.org/tincan/course/" + uuid.uuid4().hex,
                    definition=ActivityDefinition(name=LanguageMap({"en-US": "A course", "zh-CN": "一门课"})))
experienced = Verb(id="http://adlnet.gov/expapi/verbs/experienced", display=LanguageMap({"en-US": "experienced"}))
answered = Verb(id="http://adlnet.gov/expapi/verbs/answered", display=LanguageMap({"en-US": "answered"}))

about = need(lrs.about(), "about")
seen["versions"] = list(about.content.version)

# save_statement with no id: the LRS assigns one, and the client learns it.
first = Statement(actor=learner, verb=experienced, object=activity)
saved = need(lrs.save_statement(first), "save_statement")
seen["assigned_id"] = str(saved.content.id) if saved.content.id else None

got = need(lrs.retrieve_statement(saved.content.id), "retrieve_statement")
seen["retrieved"] = {"verb": got.content.verb.id, "actor": got.content.actor.mbox, "has_stored": got.content.stored is not None,
                     "authority": got.content.authority.account.name if got.content.authority and got.content.authority.account else None}

batch = [Statement(actor=learner, verb=answered, object=activity) for _ in range(3)]
saved_batch = need(lrs.save_statements(batch), "save_statements")
seen["batch_ids"] = [str(s.id) for s in saved_batch.content]

query = need(lrs.query_statements({"agent": learner, "verb": answered, "limit": 2}), "query_statements")
first_page = [str(s.id) for s in query.content.statements]
more = query.content.more
second_page = []
if more:
    second_page = [str(s.id) for s in need(lrs.more_statements(more), "more_statements").content.statements]
seen["pages"] = [first_page, second_page]

voiding = Statement(actor=learner, verb=Verb(id="http://adlnet.gov/expapi/verbs/voided"), object=StatementRef(id=saved_batch.content[0].id))
need(lrs.save_statement(voiding), "save_statement (voiding)")
seen["voided_found"] = lrs.retrieve_voided_statement(saved_batch.content[0].id).success
seen["voided_as_plain"] = lrs.retrieve_statement(saved_batch.content[0].id).success

state = StateDocument(activity=activity, agent=learner, id="bookmark", content=json.dumps({"page": 3}), content_type="application/json")
need(lrs.save_state(state), "save_state")
read = need(lrs.retrieve_state(activity, learner, "bookmark"), "retrieve_state")
seen["state"] = json.loads(read.content.content)
seen["state_ids"] = list(need(lrs.retrieve_state_ids(activity, learner), "retrieve_state_ids").content)
need(lrs.delete_state(read.content), "delete_state")
seen["state_after_delete"] = lrs.retrieve_state(activity, learner, "bookmark").response.status

profile = ActivityProfileDocument(activity=activity, id="settings", content="<settings/>", content_type="application/xml")
need(lrs.save_activity_profile(profile), "save_activity_profile")
seen["activity_profile"] = need(lrs.retrieve_activity_profile(activity, "settings"), "retrieve_activity_profile").content.content.decode()

agent_profile = AgentProfileDocument(agent=learner, id="preferences", content=json.dumps({"language": "zh-CN"}),
                                     content_type="application/json")
need(lrs.save_agent_profile(agent_profile), "save_agent_profile")
seen["agent_profile"] = json.loads(need(lrs.retrieve_agent_profile(learner, "preferences"), "retrieve_agent_profile").content.content)

print(json.dumps(seen))
