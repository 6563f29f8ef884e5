//! The demo's three gateways: keys, partner entries, configurations and drop folders.

use std::path::{Path, PathBuf};

use homeward_exchange::keys::GatewayIdentity;
use homeward_exchange::partners::{PartnerConfig, PartnersFile};
use homeward_exchange::policy::{FieldGroup, PartnerRole};
use homeward_schemas::Kind;

use super::DemoError;

/// The demo token of every gateway's admin API (the demo is on loopback and temporary).
pub const DEMO_TOKEN: &str = "demo-admin-token-for-loopback-only-0123456789";

/// One gateway of the demo.
#[derive(Debug, Clone)]
pub struct Node {
    pub id: &'static str,
    /// What it stands for, for the report.
    pub about: &'static str,
    pub root: PathBuf,
    pub port: u16,
    /// The admin API's and web console's port.
    pub admin_port: u16,
    /// Its registry entry, as its partners paste it.
    pub entry: PartnerConfig,
}

fn free_port() -> Result<u16, DemoError> {
    let l =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| DemoError::io("a free port", e))?;
    Ok(l.local_addr()
        .map_err(|e| DemoError::io("a free port", e))?
        .port())
}

impl Node {
    /// Makes its directory, keys and admin token file.
    pub fn new(base: &Path, id: &'static str, about: &'static str) -> Result<Self, DemoError> {
        let root = base.join(id);
        std::fs::create_dir_all(root.join("drop/inbox"))
            .map_err(|e| DemoError::io(root.display(), e))?;
        let port = free_port()?;
        let admin_port = free_port()?;
        let endpoint = format!("https://127.0.0.1:{port}");
        let identity = GatewayIdentity::generate(id, 30)
            .map_err(|e| DemoError::Setup(format!("keys of {id}: {e}")))?;
        identity
            .save_dir(&root.join("keys"), &endpoint, true)
            .map_err(|e| DemoError::Setup(format!("keys of {id}: {e}")))?;
        let entry = PartnerConfig::pinned(
            id,
            &endpoint,
            PartnerRole::LawEnforcement,
            &identity.signing.public(),
            identity.tls.fingerprint(),
        );
        let tokens = root.join("admin-tokens");
        std::fs::write(&tokens, format!("demo {DEMO_TOKEN}\n"))
            .map_err(|e| DemoError::io(tokens.display(), e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| DemoError::io(tokens.display(), e))?;
        }
        Ok(Self {
            id,
            about,
            root,
            port,
            admin_port,
            entry,
        })
    }

    /// The web console's accounts file.
    pub fn users_file(&self) -> PathBuf {
        self.root.join("console-users.toml")
    }

    /// The file listing the console accounts' passwords (mode 0600; the demo's only).
    pub fn passwords_file(&self) -> PathBuf {
        self.root.join("console-passwords")
    }

    /// Writes the web console's accounts: an administrator, an investigator of `agency` and
    /// a viewer, each with a random password listed in [`Node::passwords_file`].
    pub fn write_console_accounts(
        &self,
        agency: Option<&str>,
    ) -> Result<Vec<(String, String)>, DemoError> {
        use crate::admin::roles::Role;
        use crate::console::accounts::{Accounts, random_password};
        let mut accounts = Accounts::default();
        let mut list = Vec::new();
        for (name, role, agency) in [
            ("admin", Role::Administrator, None),
            ("investigator", Role::Investigator, agency),
            ("viewer", Role::Viewer, None),
        ] {
            let pw = random_password();
            accounts
                .add(name, role, agency.map(str::to_string), &pw)
                .map_err(|e| DemoError::Setup(format!("console accounts of {}: {e}", self.id)))?;
            list.push((name.to_string(), pw));
        }
        accounts
            .save(&self.users_file())
            .map_err(|e| DemoError::Setup(format!("console accounts of {}: {e}", self.id)))?;
        let text: String = list.iter().map(|(n, p)| format!("{n} {p}\n")).collect();
        let path = self.passwords_file();
        std::fs::write(&path, text).map_err(|e| DemoError::io(path.display(), e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| DemoError::io(path.display(), e))?;
        }
        Ok(list)
    }

    /// This gateway as a partner with `role`.
    pub fn as_partner(&self, role: PartnerRole) -> PartnerConfig {
        let mut p = self.entry.clone();
        p.role = role;
        p
    }

    pub fn config_path(&self) -> PathBuf {
        self.root.join("homeward.toml")
    }

    pub fn inbox(&self) -> PathBuf {
        self.root.join("drop/inbox")
    }

    /// Writes its configuration: identity, store, admin, `jobs` (TOML) and `partners`.
    pub fn write_config(&self, jobs: &str, partners: Vec<PartnerConfig>) -> Result<(), DemoError> {
        let partners = toml::to_string(&PartnersFile { partners })
            .map_err(|e| DemoError::Setup(format!("partners of {}: {e}", self.id)))?;
        let text = format!(
            "# {about}\n[gateway]\nid = \"{id}\"\nname = \"{about}\"\n\n\
             [listen]\npartners = \"127.0.0.1:{port}\"\n\n\
             [identity]\ndir = \"keys\"\n\n\
             [store]\nengine = \"sled\"\npath = \"{data}\"\n\n\
             [exchange.retry]\nmax_attempts = 2\ninitial_delay_ms = 100\nmax_delay_ms = 400\n\n\
             [admin]\nlisten = \"127.0.0.1:{admin_port}\"\ntoken_file = \"admin-tokens\"\n\n\
             [console]\nusers_file = \"console-users.toml\"\n\n\
             {jobs}\n\n{partners}",
            about = self.about,
            id = self.id,
            port = self.port,
            admin_port = self.admin_port,
            data = self.root.join("data").display(),
        );
        let path = self.config_path();
        std::fs::write(&path, text).map_err(|e| DemoError::io(path.display(), e))
    }
}

/// The three gateways and their configurations.
pub struct Nodes {
    pub state: Node,
    pub hub: Node,
    pub intl: Node,
}

/// Quick retries for the demo's jobs (a partner down for a few seconds).
const RETRY: &str =
    "[jobs.retry]\nmax_attempts = 3\ninitial_delay_ms = 200\nmax_delay_ms = 1000\njitter = 0.2\n";

impl Nodes {
    pub fn create(base: &Path) -> Result<Self, DemoError> {
        let state = Node::new(
            base,
            "state.demo",
            "state agency: NCIC extracts from a drop folder, pushed to the hub as they change",
        )?;
        let hub = Node::new(
            base,
            "hub.demo",
            "national hub: clearinghouse and medical examiner XML from its drop folder, the state's pushes, the partner's PFIF feed",
        )?;
        let intl = Node::new(
            base,
            "intl.demo",
            "partner abroad: PFIF records from its drop folder, served as a PFIF feed",
        )?;
        // The state shares missing and unidentified records with the hub, without DNA and
        // fingerprint availability; the hub accepts the state's and the partner's (missing only,
        // by the partner's role).
        let mut hub_at_state = hub.as_partner(PartnerRole::Hub);
        hub_at_state.share.kinds = vec![Kind::Missing, Kind::Unidentified];
        hub_at_state.share.withhold = vec![FieldGroup::Dna, FieldGroup::Fingerprints];
        let state_at_hub = state.as_partner(PartnerRole::LawEnforcement);
        let intl_at_hub = intl.as_partner(PartnerRole::International);
        let mut hub_at_intl = hub.as_partner(PartnerRole::Hub);
        hub_at_intl.share.kinds = vec![Kind::Missing];
        hub_at_intl.share.withhold = vec![FieldGroup::Contact];

        state.write_config(
            &format!(
                "[[jobs]]\nid = \"ncic-drop\"\ntransport = \"file_drop\"\ndir = \"drop\"\nformat = \"ncic\"\nschedule = \"*/2 * * * * *\"\ntime_zone = \"America/Chicago\"\n{RETRY}\n\
                 [[jobs]]\nid = \"hub-push\"\ntransport = \"https_push\"\npartner = \"hub.demo\"\nschedule = \"on change\"\nbatch_size = 200\n{RETRY}"
            ),
            vec![hub_at_state],
        )?;
        hub.write_config(
            &format!(
                "[[jobs]]\nid = \"xml-drop\"\ntransport = \"file_drop\"\ndir = \"drop\"\nformat = \"xml\"\nschedule = \"*/2 * * * * *\"\n{RETRY}\n\
                 [[jobs]]\nid = \"intl-pull\"\ntransport = \"https_pull\"\npartner = \"intl.demo\"\nfeed = \"pfif\"\nschedule = \"*/2 * * * * *\"\n{RETRY}"
            ),
            vec![state_at_hub, intl_at_hub],
        )?;
        intl.write_config(
            &format!(
                "[[jobs]]\nid = \"pfif-drop\"\ntransport = \"file_drop\"\ndir = \"drop\"\nformat = \"pfif\"\nschedule = \"*/1 * * * * *\"\ntime_zone = \"Europe/Kyiv\"\n{RETRY}"
            ),
            vec![hub_at_intl],
        )?;
        Ok(Self { state, hub, intl })
    }
}
