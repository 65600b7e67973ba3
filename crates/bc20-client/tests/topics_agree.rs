//! D62: the driver refuses exactly the topics the simulated module answers
//! `+CME ERROR: 50` to, and the module accepts every topic the driver sends.

use bc20_client::{Client, ClientConfig, Qos, RequestError};
use bc20_sim::{Bench, ModemConfig};
use proptest::prelude::*;

/// Topics over the characters that matter: level separators and both wildcards.
fn topic() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a/+#]{1,8}").expect("valid regex")
}

proptest! {
    #[test]
    fn the_check_functions_of_driver_and_module_are_the_same(t in topic()) {
        prop_assert_eq!(
            format!("{:?}", bc20_client::topic::check_topic_name(&t)),
            format!("{:?}", bc20_sim::topic::check_topic_name(&t))
        );
        prop_assert_eq!(
            format!("{:?}", bc20_client::topic::check_topic_filter(&t)),
            format!("{:?}", bc20_sim::topic::check_topic_filter(&t))
        );
    }

    #[test]
    fn driver_and_module_agree_on_every_topic_and_the_link_stays_up(t in topic()) {
        let mut bench = Bench::new(ModemConfig::echo_off());
        bench.command("AT+QMTOPEN=0,\"broker\",1883");
        bench.command("AT+QMTCONN=0,\"dev\"");
        let mut client = Client::new(ClientConfig::default());
        let now = bc20_client::Instant::ZERO;
        // The driver is told the slot is connected by the lines the module would send.
        client.open(0, "broker", 1883).unwrap();
        let _ = client.poll_transmit(now);
        client.handle_input(now, b"\r\nOK\r\n\r\n+QMTOPEN: 0,0\r\n");
        client.connect(0, "dev", None, None).unwrap();
        let _ = client.poll_transmit(now);
        client.handle_input(now, b"\r\nOK\r\n\r\n+QMTCONN: 0,0,0\r\n");
        for (accepted, line) in [
            (
                client.subscribe(0, &[(&t, Qos::AtLeastOnce)]),
                format!("AT+QMTSUB=0,1,\"{t}\",1"),
            ),
            (
                client.publish(0, Qos::AtLeastOnce, false, &t, b"m"),
                format!("AT+QMTPUB=0,2,1,0,\"{t}\",\"m\""),
            ),
        ] {
            let answer = bench.command(&line);
            match accepted {
                Ok(_) => prop_assert!(answer.starts_with("\r\nOK\r\n"), "{line}: {answer:?}"),
                Err(RequestError::Topic { .. }) => {
                    prop_assert_eq!(answer, "\r\n+CME ERROR: 50\r\n", "{}", line)
                }
                Err(e) => prop_assert!(false, "{line}: {e}"),
            }
        }
        prop_assert_eq!(bench.command("AT+QMTCONN?"), "\r\n+QMTCONN: 0,3\r\n\r\nOK\r\n");
    }
}
