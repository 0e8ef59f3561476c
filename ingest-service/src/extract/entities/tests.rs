use super::*;

fn analyse(text: &str) -> Resolved {
    let mut doc = DocumentEntities::new();
    doc.add_article("", text);
    doc.resolve()
}

fn names(resolved: &Resolved) -> Vec<(String, String)> {
    resolved
        .entities
        .values()
        .map(|e| (e.id.clone(), e.name.clone()))
        .collect()
}

#[test]
fn role_before_a_name_makes_a_person_with_role_and_country() {
    let r = analyse(
        "On 18 – 20 November, Serbian president Tomislav Nikolic visited Belarus on an official visit.",
    );
    let nikolic = &r.entities["person:tomislav-nikolic"];
    assert_eq!(nikolic.roles, vec!["President of Serbia".to_string()]);
    assert!(r.entities.contains_key("country:RS"));
    assert!(r.entities.contains_key("country:BY"));
    let serbian = r.mentions[0]
        .iter()
        .find(|m| m.entity_id == "country:RS")
        .unwrap();
    assert_eq!(serbian.kind, EntityKind::Country);
}

#[test]
fn surnames_and_variants_resolve_to_the_full_name() {
    let r = analyse(
        "On 13-14 June, foreign minister Vladimir Makei visited Madrid. On 19 June, Makei attended the meeting. \
         Later Makey met Alexander Lukashenka. Lukashenko praised the Belarus's top diplomat. \
         His deputy Alena Kupchyna travelled to Copenhagen. Elena Kupchyna came back.",
    );
    let people: Vec<_> = r
        .entities
        .values()
        .filter(|e| e.kind == EntityKind::Person)
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(
        people,
        vec![
            "person:alena-kupchyna",
            "person:alexander-lukashenka",
            "person:vladimir-makei"
        ]
    );
    let makei = &r.entities["person:vladimir-makei"];
    assert!(makei.aliases.contains(&"Makey".to_string()));
}

#[test]
fn diacritics_are_kept_for_display_and_folded_for_ids() {
    let r = analyse(
        "On 26 – 28 November, Nguyễn Phú Trọng, the General Secretary of the Central Committee, visited Belarus.",
    );
    assert_eq!(
        r.entities["person:nguyen-phu-trong"].name,
        "Nguyễn Phú Trọng"
    );
}

#[test]
fn organisations_from_gazetteer_and_head_words() {
    let r = analyse(
        "On 27 November, the Belarusian State Security Committee, otherwise known as the KGB, accused him. \
         The OSCE Parliamentary Assembly held its session in Minsk. The US Department of State agreed.",
    );
    let ids: Vec<_> = names(&r).into_iter().map(|(id, _)| id).collect();
    for id in [
        "organization:belarusian-state-security-committee",
        "organization:kgb",
        "organization:osce-parliamentary-assembly",
        "organization:us-department-of-state",
        "country:US",
        "city:minsk",
    ] {
        assert!(ids.contains(&id.to_string()), "{id} missing from {ids:?}");
    }
}

#[test]
fn demonyms_possessives_and_acronyms_name_countries() {
    let r = analyse(
        "Belarus' performance and Belarus's trade with the UAE and the US grew; Turkmens study in Belarusian universities.",
    );
    for id in ["country:BY", "country:AE", "country:US", "country:TM"] {
        assert!(r.entities.contains_key(id), "{id}");
    }
    let r = analyse("let us see");
    assert!(r.entities.is_empty());
}

#[test]
fn capitalised_words_without_evidence_are_not_people() {
    let r = analyse(
        "Strengthening Links with Autocratic Friends. Bilateral turnover has been falling. Again, trade fell.",
    );
    assert!(
        r.entities.values().all(|e| e.kind != EntityKind::Person),
        "{:?}",
        names(&r)
    );
}

#[test]
fn a_title_alone_resolves_to_the_person_named_in_full() {
    let r = analyse(
        "On 29 June, Belarusian President Alexander Lukashenka received guests. \
         Later the Belarusian president travelled to Hanoi. Serbian president Tomislav Nikolic came too.",
    );
    let lukashenka = &r.entities["person:alexander-lukashenka"];
    assert!(
        lukashenka
            .aliases
            .contains(&"the Belarusian president".to_string()),
        "{lukashenka:?}"
    );
    assert_eq!(lukashenka.country_code.as_deref(), Some("BY"));
    let title = r.mentions[0]
        .iter()
        .find(|m| m.entity_id == "person:alexander-lukashenka" && m.span.start > 60)
        .expect("title mention");
    assert_eq!(title.kind, EntityKind::Person);
}

#[test]
fn one_edit_variants_merge_without_a_table_entry() {
    // Neither spelling pair is in data/people.txt: the edit distance does the work.
    let r = analyse(
        "Deputy minister Marina Kovalenka met guests. Later Marina Kovalenko spoke. Kovalenka left.",
    );
    let people: Vec<_> = r
        .entities
        .values()
        .filter(|e| e.kind == EntityKind::Person)
        .collect();
    assert_eq!(people.len(), 1, "{people:?}");
    assert!(people[0].aliases.contains(&"Marina Kovalenko".to_string()));
}

#[test]
fn title_case_headings_name_only_people_the_body_names() {
    let mut doc = DocumentEntities::new();
    doc.add_article(
        "The US Anti-Missile Defence Strengthens Lukashenka's Position: Will the Ukrainian President Defend Belarus?",
        "On 26 May Petro Poroshenko met Alexander Lukashenka. Presidents Lukashenka and Poroshenko agreed.",
    );
    let r = doc.resolve();
    let people: Vec<&str> = r
        .entities
        .values()
        .filter(|e| e.kind == EntityKind::Person)
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(
        people,
        vec!["person:alexander-lukashenka", "person:petro-poroshenko"]
    );
    assert!(
        r.entities["person:alexander-lukashenka"]
            .aliases
            .iter()
            .all(|a| !a.contains("Strengthens"))
    );
}
